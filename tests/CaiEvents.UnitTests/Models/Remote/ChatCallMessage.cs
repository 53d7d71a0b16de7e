namespace CaiEvents.TestSupport;

/// <summary>One message of a chat-completions request as the loopback server received it.</summary>
public sealed record ChatCallMessage(string Role, string Content);
