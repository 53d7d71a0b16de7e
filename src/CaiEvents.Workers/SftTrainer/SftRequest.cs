using System.Diagnostics;
using System.Security.Cryptography;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Models;
using CaiEvents.Models.Training;
using CaiEvents.Workers.Common;
using Marten;

namespace CaiEvents.Workers.SftTrainer;

/// <summary>What <c>cai sft</c> (or a <see cref="CaiEvents.Contracts.Commands.FineTunePolicy"/> command) asks for.</summary>
public sealed record SftRequest(Guid RunId, string BaseModel, string OutputDirectory, long? AsOf, SftHyperParameters HyperParameters);
