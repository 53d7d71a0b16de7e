namespace CaiEvents.Models.Remote;

/// <summary>Which endpoint of an OpenAI-compatible server a remote model id forces with its <c>?api=</c> suffix.</summary>
public enum RemoteApi
{
    /// <summary><c>POST {base}/chat/completions</c>: messages, the server applies its chat template (<c>?api=chat</c>).</summary>
    Chat,

    /// <summary><c>POST {base}/completions</c>: raw text prompts (<c>?api=completions</c>).</summary>
    Completions,
}
