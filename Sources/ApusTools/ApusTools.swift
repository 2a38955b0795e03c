// Host-only logic behind the `apus` tool. May allocate and use Foundation.
