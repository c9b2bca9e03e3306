"""A local Function Compute: FC-like contexts, template.yml reading, and a runner for handlers."""
