using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Labeller;

/// <summary>
/// Bound from "Workers:Labeller". The Labeller role consumes <see cref="CaiEvents.Contracts.Commands.LabelPreference"/> (soft (A)/(B) preference labels);
/// <see cref="LabelPreferenceConsumer"/> is its consumer.
/// </summary>
public sealed record LabellerOptions : WorkerRoleOptions;
