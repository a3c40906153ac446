"""Home, health check, errors, security headers and the base template context."""
