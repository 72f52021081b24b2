"""wattprint.results"""
