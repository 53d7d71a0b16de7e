using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Generator;

/// <summary>Bound from "Workers:Generator".</summary>
public sealed record GeneratorOptions : WorkerRoleOptions;
