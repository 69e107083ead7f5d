"""Party organisation services: org.py (organisations, members, positions, stewards, cross-appointments), service.py (双报到, co-building, 书记领办), deliberation.py (议事协商)."""
