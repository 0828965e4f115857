"""The rooms of the main screen: the pipeline, the drill's controls, incident actions, the reply
flow and the notices. Each is a facet of `MainScreen` in its own module, with its own keys
and actions; they hear of what arrived and what changed through messages."""
