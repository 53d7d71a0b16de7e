using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// Bound from "Workers:PPOLearner". The PPOLearner role consumes <see cref="CaiEvents.Contracts.Commands.TrainPolicy"/> (PPO policy optimisation);
/// it has no consumer yet: its behaviour arrives with issue #6, and `cai worker ppolearner` says so.
/// </summary>
public sealed record PPOLearnerOptions : WorkerRoleOptions;
