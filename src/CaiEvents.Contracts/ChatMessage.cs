namespace CaiEvents.Contracts;

/// <summary>
/// One turn of a chat conversation, as instruct models' chat templates take it (Hugging Face's
/// <c>{"role": ..., "content": ...}</c>). Roles are <see cref="System"/>, <see cref="User"/> and <see cref="Assistant"/>.
/// </summary>
public sealed record ChatMessage(string Role, string Content)
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";

    public static ChatMessage FromSystem(string content) => new(System, content);
    public static ChatMessage FromUser(string content) => new(User, content);
    public static ChatMessage FromAssistant(string content) => new(Assistant, content);
}
