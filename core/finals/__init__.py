"""Finals: what a studio hands its client, made from the approved photos through export presets."""
