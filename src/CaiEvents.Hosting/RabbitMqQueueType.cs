namespace CaiEvents.Hosting;

/// <summary>
/// The type of the command and fault queues (<c>RabbitMq:QueueType</c>). Classic queues live on one node and are lost
/// with it; quorum queues are replicated (Raft) over the cluster's nodes and survive the loss of a minority of them.
/// </summary>
public enum RabbitMqQueueType { Classic, Quorum }
