using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Labeller;

/// <summary>
/// Bound from "Workers:Labeller". The Labeller role consumes <see cref="CaiEvents.Contracts.Commands.LabelPreference"/> (soft (A)/(B) preference labels);
/// it has no consumer yet: its behaviour arrives with issue #4, and `cai worker labeller` says so.
/// </summary>
public sealed record LabellerOptions : WorkerRoleOptions;
