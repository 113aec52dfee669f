export interface MarkdownLookups {
  userByName(name: string): { id: number; fullName: string } | null | undefined;
  userById(id: number): { id: number; fullName: string } | null | undefined;
  groupByName(name: string): { id: number; name: string; description?: string } | null | undefined;
  streamByName(name: string): { id: number; name: string } | null | undefined;
  realmEmoji(name: string): { id: string; sourceUrl: string; stillUrl?: string | null } | null | undefined;
  linkifiers: { id: number; pattern: string; urlTemplate: string }[];
  /** e.g. "http://localhost:8080" — to recognise relative realm links */
  realmUrl?: string;
  /** realm setting inline_image_preview (default true) */
  inlineImagePreview?: boolean;
  /** Camo-like proxy base; external image previews go through it when set */
  imageProxyUrl?: string | null;
  /** sender's translate_emoticons setting */
  translateEmoticons?: boolean;
  /** realm_empty_topic_display_name, default "general chat" */
  emptyTopicDisplayName?: string;
}

export interface RenderResult {
  /** sanitized, Zulip-identical HTML ("" for empty input) */
  html: string;
  /** plain-text content (for search indexing / emails) */
  text: string;
  isMeMessage: boolean;
  /** direct (non-silent) mentions */
  mentionedUserIds: Set<number>;
  silentMentionedUserIds: Set<number>;
  mentionedGroupIds: Set<number>;
  wildcard: null | "stream" | "topic";
  hasLink: boolean;
  hasImage: boolean;
  /** link to /user_uploads/ */
  hasAttachment: boolean;
  /** referenced /user_uploads/... path ids (for attachment tracking) */
  uploadPaths: string[];
  linkifierMatches?: number;
}
