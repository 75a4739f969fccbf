"""What a person reads: terminal tables, the explanation's output, the brief and its charts."""
