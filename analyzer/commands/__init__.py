"""One module per CLI verb; see analyzer.cli."""
