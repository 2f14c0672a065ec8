"""Attack stories: each finding of the security review, tried as an attacker would, and refused."""
