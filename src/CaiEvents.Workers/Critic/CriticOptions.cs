using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Critic;

/// <summary>Bound from "Workers:Critic".</summary>
public sealed record CriticOptions : WorkerRoleOptions;
