"""Datasets: reading IDX files and image folders into arrays."""
