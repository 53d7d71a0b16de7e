using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Generator;

/// <summary>A pair's two generated responses, as recorded.</summary>
public sealed record GeneratedPair(StepGeneration A, StepGeneration B);
