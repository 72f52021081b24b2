"""wattprint.carbon"""
