namespace CaiEvents.Models;

/// <summary>
/// Text a model produced, made storable: PostgreSQL's text and jsonb (the event store) cannot hold U+0000, so a NUL becomes
/// U+FFFD, the replacement character. Inputs with a NUL are refused where they are read; model outputs cannot be refused, so
/// every backend passes its generated text (and token texts it records) through here.
/// </summary>
public static class StorableText
{
    public static string From(string text) => text.Replace('\0', '\uFFFD');
}
