"""Embedded in a practice portal: signed launch, partitioned session cookies, framing and portal events."""
