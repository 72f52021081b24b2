"""wattprint.sweep"""
