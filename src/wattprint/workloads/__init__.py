"""wattprint.workloads"""
