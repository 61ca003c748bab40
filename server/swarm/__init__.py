"""The swarm: browser tabs and native processes running one model together, coordinated by the server."""
