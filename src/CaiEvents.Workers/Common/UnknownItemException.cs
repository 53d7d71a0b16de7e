using System.Collections.Concurrent;
using CaiEvents.Contracts;
using CaiEvents.Domain;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.Models;
using Marten;

namespace CaiEvents.Workers.Common;

public sealed class UnknownItemException(Guid itemId) : Exception($"item stream {itemId} (sample or comparison) does not exist in the event store");
