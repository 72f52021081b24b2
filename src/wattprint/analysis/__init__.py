"""wattprint.analysis"""
