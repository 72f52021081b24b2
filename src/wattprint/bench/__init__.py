"""wattprint.bench"""
