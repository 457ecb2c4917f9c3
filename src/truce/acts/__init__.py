"""Act kinds: the body each kind carries, who may sign it, and how a rule refuses one."""
