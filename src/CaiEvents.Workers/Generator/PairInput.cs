using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Generator;

/// <summary>What a pair's two responses depend on: the run seed, the pair's seed key (<see cref="Seeds.ComparisonKey"/>) and its rendered prompt.</summary>
public sealed record PairInput(long RunSeed, Guid PairId, Guid SeedKey, string Prompt);
