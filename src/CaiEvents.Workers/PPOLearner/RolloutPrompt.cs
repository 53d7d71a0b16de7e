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

/// <summary>One prompt of a step, as the rollout generator gets it.</summary>
public sealed record RolloutPrompt(int Index, string Prompt, string RenderedPrompt, long Seed);
