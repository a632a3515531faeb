"""bookings context."""
