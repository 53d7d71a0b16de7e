namespace CaiEvents.Application.Jobs;

/// <summary>How often a follower polls, how long it waits in all, and whether it waits once before its first poll.</summary>
public sealed record FollowTiming(TimeSpan PollInterval, TimeSpan Timeout, bool WaitBeforeFirstPoll = false);
