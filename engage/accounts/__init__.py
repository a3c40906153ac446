"""Users, organisations, memberships, invitations, API tokens and permissions."""
