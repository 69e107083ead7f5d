"""Party organisation services: org (organisations, members, positions, stewards, cross-appointments), service (双报到, co-building, 书记领办), deliberation (议事协商); each a package of modules by subject."""
