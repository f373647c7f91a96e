export {
  startFakeOpenAI,
  type AnswerFunction,
  type Abandonment,
  type FakeOpenAI,
  type FakeOpenAIBehaviour,
  type FakeOpenAIOptions,
  type ReceivedChatRequest,
  type ReceivedImageRequest,
} from './fake-openai-server.js';
export { FAKE_PNG, IMAGE_OUTPUT_TOKENS, type ImageGenerationRequest } from './openai-image-body.js';
export { lastUserText, type ChatCompletionMessage, type ChatCompletionRequest, type FakeModelReply, type FakeToolCallReply } from './openai-completion-body.js';
export { startFakeDingTalk, type FakeDingTalk } from './fake-dingtalk-server.js';
export type { FakeFile, FileDownloadRequest } from './fake-dingtalk-file.js';
export { CARD_QPS_LIMIT_CODE } from './fake-dingtalk-cards.js';
export type {
  CardCall,
  CardStreamingUpdate,
  FakeCard,
  FakeDingTalkApi,
  FakeDingTalkBehaviour,
  FakeDingTalkOptions,
  FakeRefusal,
  OpenApiMessage,
  UploadedMedia,
  WebhookMessage,
  WebhookRejection,
} from './fake-dingtalk-state.js';
export type { DeliveredMessage, DeliveryRoute } from './dingtalk-delivered-message.js';
export {
  buildCallback,
  buildGroupCallback,
  chatbotUserIdFor,
  signedHeaders,
  DEFAULT_CORP_ID,
  DEFAULT_ROBOT_CODE,
  DEFAULT_STAFF_ID,
  SESSION_WEBHOOK_LIFETIME_MS,
  type AtUser,
  type CallbackOverrides,
  type DingTalkCallbackPayload,
  type SignedCallbackHeaders,
} from './dingtalk-callback.js';
export { cleanupPrefix, createTestPrefix, escapeRedisGlob, redisUrlForTests } from './redis-test-prefix.js';
export { startPausableTcpProxy, type PausableTcpProxy } from './pausable-tcp-proxy.js';
export {
  CARD_CALLBACK_TOPIC,
  cardCallbackData,
  startFakeDingTalkStream,
  type CardPressFrame,
  type FakeDingTalkStream,
  type FakeDingTalkStreamOptions,
  type FakeStreamConnection,
  type OpenRequest,
  type StreamDelivery,
} from './fake-dingtalk-stream.js';
export { ROBOT_MESSAGE_TOPIC, type StreamAck, type StreamFrame, type StreamFrameType } from './fake-stream-frames.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
export { CHROMIUM_PATH, launchBrowser } from './browser.js';
export { startForwardProxy, type ForwardProxy, type ProxiedRequest } from './forward-proxy.js';
export { startRedirectTrap, type ReachedRequest, type RedirectTrap } from './redirect-trap.js';
export { redisCallsRunBy, redisCommandsRunBy, type RedisCall } from '@dtbot/redis-test';
export {
  startFakeDify,
  type DifyAnswerFunction,
  type DifyChatRequestBody,
  type DifyTurn,
  type FakeDify,
  type FakeDifyBehaviour,
  type FakeDifyOptions,
  type ReceivedDifyRequest,
} from './fake-dify-server.js';
export { startFakeMcpServer, type FakeMcpCall, type FakeMcpServer, type FakeMcpTool } from './fake-mcp-server.js';
export { chinesePdfWith, docxWith, encryptedOfficeFile, pdfOfPages, pdfWith, pptxWith, xlsxWith, zipBomb } from './document-fixtures.js';
