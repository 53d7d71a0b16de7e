using System.Collections.Concurrent;
using LLama.Native;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// One-time setup of the llama.cpp native library: its chatty log is kept off the console; the last warnings and errors
/// are remembered so a refused file can be reported with llama.cpp's own reason. Runs before the library is first used.
/// </summary>
internal static class LlamaCppNative
{
    private const int Remembered = 8;
    private static readonly ConcurrentQueue<string> Recent = new();

    private static readonly Lazy<bool> Configured = new(() =>
    {
        NativeLogConfig.llama_log_set((level, message) =>
        {
            if (level is LLamaLogLevel.Error or LLamaLogLevel.Warning && !string.IsNullOrWhiteSpace(message))
            {
                Recent.Enqueue(message.Trim());
                while (Recent.Count > Remembered && Recent.TryDequeue(out _))
                {
                }
            }
        });
        return true;
    });

    public static void EnsureQuiet() => _ = Configured.Value;

    /// <summary>Forgets earlier messages, so <see cref="RecentProblems"/> speaks of the next call only.</summary>
    public static void ClearRecent() => Recent.Clear();

    /// <summary>llama.cpp's recent warnings and errors, on one line.</summary>
    public static string RecentProblems() => string.Join(" | ", Recent);
}
