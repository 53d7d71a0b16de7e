using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Reviser;

/// <summary>Bound from "Workers:Reviser".</summary>
public sealed record ReviserOptions : WorkerRoleOptions;
