using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.PMTrainer;

/// <summary>
/// Bound from "Workers:PMTrainer". The PMTrainer role consumes <see cref="CaiEvents.Contracts.Commands.TrainPreferenceModel"/> (preference-model training jobs);
/// it has no consumer yet: its behaviour arrives with issue #5, and `cai worker pmtrainer` says so.
/// </summary>
public sealed record PMTrainerOptions : WorkerRoleOptions;
