using System.Collections.Concurrent;
using CaiEvents.Contracts;
using CaiEvents.Domain;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.Models;
using Marten;

namespace CaiEvents.Workers.Common;

/// <summary>The step's inputs are not on the stream yet; thrown so MassTransit retries the message.</summary>
public sealed class StepNotReadyException(string reason) : Exception(reason);
