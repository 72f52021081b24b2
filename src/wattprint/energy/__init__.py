"""wattprint.energy"""
