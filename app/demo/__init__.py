"""`demo`: the bundle against a simulated Jira site, with a scripted person moving issues.

settings: where the demo lives and who acts in it; files: its seed and pair configs (made from
the shipped example config); programs: the simulator and the actor as supervisord programs;
launch: everything `demo` does before handing over to `run`; actor and moves: the scripted
person (moves decides, actor acts over the REST API).
"""
