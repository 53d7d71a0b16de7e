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

/// <summary>One generated response: the prompt and response token ids the policy saw and produced, and the response text.</summary>
public sealed record RolloutSample(int Index, int[] PromptIds, int[] ResponseIds, string Text);
