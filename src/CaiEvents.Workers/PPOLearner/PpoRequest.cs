using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using CaiEvents.Models.Rl;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Marten;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>What <c>cai ppo train</c> (or a <see cref="Contracts.Commands.TrainPolicy"/> command) asks for.</summary>
/// <param name="PolicyModel">Model id of the starting policy (the SL-CAI checkpoint as <c>hf:DIR</c>, or a builtin); also the frozen reference.</param>
/// <param name="PreferenceModelDirectory">A reward-model directory written by <see cref="RewardModel.Save"/>.</param>
public sealed record PpoRequest(Guid RunId, string PolicyModel, string PreferenceModelDirectory, string OutputDirectory, PpoHyperParameters HyperParameters);
