using CaiEvents.Contracts.Events;
using CaiEvents.Models.Preference;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>What <c>cai ppo train</c> (or a <see cref="Contracts.Commands.TrainPolicy"/> command) asks for.</summary>
/// <param name="PolicyModel">Model id of the starting policy (the SL-CAI checkpoint as <c>hf:DIR</c>, or a builtin); also the frozen reference.</param>
/// <param name="PreferenceModelDirectory">A reward-model directory written by <see cref="RewardModel.Save"/>.</param>
public sealed record PpoRequest(Guid RunId, string PolicyModel, string PreferenceModelDirectory, string OutputDirectory, PpoHyperParameters HyperParameters);
