//! Stories: grouping reports of the same real-world event (filled in by the stories work).
