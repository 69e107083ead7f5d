"""Party organisation views: org.py (organisations, members, positions, stewards, cross-appointments), service/ (双报到, co-building, 书记领办; a package), deliberation.py (议事协商)."""
