"""Request functions: parse an OSS request, call the store or engine, render the response."""
