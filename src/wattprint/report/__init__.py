"""wattprint.report"""
