"""newsfacts: news articles in, a validated DuckDB fact warehouse out."""

__version__ = "0.1.0"
