"""The biometric engine: templates, matcher, 1:N gallery and index, interchange formats."""
