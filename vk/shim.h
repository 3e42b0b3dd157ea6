//go:build cgo

// shim.h declares the slice of the Vulkan C API that the shim (shim.c)
// calls, written from the Vulkan 1.2 specification, so that the engine
// builds on a machine without the Vulkan headers (only the loader,
// libvulkan.so.1, is needed at run time).
//
// Why a shim at all: vulkan-go (github.com/vulkan-go/vulkan at
// v0.0.0-20221209234627-c0a353ae26c8) copies the arguments of its
// slice-taking calls (QueueSubmit, CreateComputePipelines,
// UpdateDescriptorSets, CmdPipelineBarrier, ...) into C memory that a GC
// finalizer can free while the call is still running: a stress run with
// heavy garbage collection crashed inside vkCreateComputePipelines in 7 of 7
// runs. The shim's structs live on the C stack instead, and its function
// pointers come from vkGetInstanceProcAddr. TestGCStress (vk_test.go) runs
// the op suite under constant collection to keep it that way.

#ifndef DITGO_VK_SHIM_H
#define DITGO_VK_SHIM_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t VkResult;
typedef uint32_t VkFlags;
typedef uint32_t VkBool32;
typedef uint64_t VkDeviceSize;
typedef int32_t VkStructureType;

// Handles. Dispatchable handles (instance, device, queue, command buffer)
// are pointers; the others are opaque 64-bit values, which the driver may
// fill with anything — small integers included — so they must not be
// pointer types, or Go's garbage collector would inspect them.
typedef struct VkInstance_T *VkInstance;
typedef struct VkPhysicalDevice_T *VkPhysicalDevice;
typedef struct VkDevice_T *VkDevice;
typedef struct VkQueue_T *VkQueue;
typedef struct VkCommandBuffer_T *VkCommandBuffer;
typedef uint64_t VkBuffer;
typedef uint64_t VkDeviceMemory;
typedef uint64_t VkFence;
typedef uint64_t VkSemaphore;
typedef uint64_t VkShaderModule;
typedef uint64_t VkPipeline;
typedef uint64_t VkPipelineCache;
typedef uint64_t VkPipelineLayout;
typedef uint64_t VkDescriptorSetLayout;
typedef uint64_t VkDescriptorPool;
typedef uint64_t VkDescriptorSet;
typedef uint64_t VkCommandPool;
typedef uint64_t VkDebugReportCallbackEXT;

enum {
	VK_SUCCESS = 0,
	VK_NOT_READY = 1,
	VK_TIMEOUT = 2,

	VK_STRUCTURE_TYPE_APPLICATION_INFO = 0,
	VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO = 1,
	VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO = 2,
	VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO = 3,
	VK_STRUCTURE_TYPE_SUBMIT_INFO = 4,
	VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO = 5,
	VK_STRUCTURE_TYPE_FENCE_CREATE_INFO = 8,
	VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO = 12,
	VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO = 16,
	VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO = 18,
	VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO = 29,
	VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO = 30,
	VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO = 32,
	VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO = 33,
	VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO = 34,
	VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET = 35,
	VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO = 39,
	VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO = 40,
	VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO = 42,
	VK_STRUCTURE_TYPE_MEMORY_BARRIER = 46,
	VK_STRUCTURE_TYPE_DEBUG_REPORT_CALLBACK_CREATE_INFO_EXT = 1000011000,
	VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT = 1000247000,

	VK_DESCRIPTOR_TYPE_STORAGE_BUFFER = 7,
	VK_SHADER_STAGE_COMPUTE_BIT = 0x20,
	VK_PIPELINE_BIND_POINT_COMPUTE = 1,
	VK_COMMAND_BUFFER_LEVEL_PRIMARY = 0,
	VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT = 0x1,
	VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT = 0x2,
	VK_SHARING_MODE_EXCLUSIVE = 0,

	VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT = 0x800,
	VK_PIPELINE_STAGE_TRANSFER_BIT = 0x1000,
	VK_PIPELINE_STAGE_HOST_BIT = 0x4000,
	VK_ACCESS_SHADER_READ_BIT = 0x20,
	VK_ACCESS_SHADER_WRITE_BIT = 0x40,
	VK_ACCESS_TRANSFER_READ_BIT = 0x800,
	VK_ACCESS_TRANSFER_WRITE_BIT = 0x1000,
	VK_ACCESS_HOST_READ_BIT = 0x2000,
	VK_ACCESS_HOST_WRITE_BIT = 0x4000,

	VK_BUFFER_USAGE_TRANSFER_SRC_BIT = 0x1,
	VK_BUFFER_USAGE_TRANSFER_DST_BIT = 0x2,
	VK_BUFFER_USAGE_STORAGE_BUFFER_BIT = 0x20,

	VK_DEBUG_REPORT_INFORMATION_BIT_EXT = 0x1,
	VK_DEBUG_REPORT_WARNING_BIT_EXT = 0x2,
	VK_DEBUG_REPORT_PERFORMANCE_WARNING_BIT_EXT = 0x4,
	VK_DEBUG_REPORT_ERROR_BIT_EXT = 0x8,
};

typedef struct VkApplicationInfo {
	VkStructureType sType;
	const void *pNext;
	const char *pApplicationName;
	uint32_t applicationVersion;
	const char *pEngineName;
	uint32_t engineVersion;
	uint32_t apiVersion;
} VkApplicationInfo;

typedef struct VkInstanceCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	const VkApplicationInfo *pApplicationInfo;
	uint32_t enabledLayerCount;
	const char *const *ppEnabledLayerNames;
	uint32_t enabledExtensionCount;
	const char *const *ppEnabledExtensionNames;
} VkInstanceCreateInfo;

// VkValidationFeaturesEXT (VK_EXT_validation_features) turns on checks of
// the validation layer that are off by default; this project asks for
// synchronization validation, which reports read-after-write, write-after-
// read and write-after-write hazards between commands that no barrier
// orders. (Lavapipe runs dispatches one after another, so a missing barrier
// never shows up as a wrong result there: only this check catches it.)
enum { VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT = 4 };

typedef struct VkValidationFeaturesEXT {
	VkStructureType sType;
	const void *pNext;
	uint32_t enabledValidationFeatureCount;
	const int32_t *pEnabledValidationFeatures;
	uint32_t disabledValidationFeatureCount;
	const int32_t *pDisabledValidationFeatures;
} VkValidationFeaturesEXT;

typedef struct VkDeviceQueueCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	uint32_t queueFamilyIndex;
	uint32_t queueCount;
	const float *pQueuePriorities;
} VkDeviceQueueCreateInfo;

typedef struct VkDeviceCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	uint32_t queueCreateInfoCount;
	const VkDeviceQueueCreateInfo *pQueueCreateInfos;
	uint32_t enabledLayerCount;
	const char *const *ppEnabledLayerNames;
	uint32_t enabledExtensionCount;
	const char *const *ppEnabledExtensionNames;
	const void *pEnabledFeatures;
} VkDeviceCreateInfo;

typedef struct VkQueueFamilyProperties {
	VkFlags queueFlags;
	uint32_t queueCount;
	uint32_t timestampValidBits;
	uint32_t minImageTransferGranularity[3];
} VkQueueFamilyProperties;

typedef struct VkSubmitInfo {
	VkStructureType sType;
	const void *pNext;
	uint32_t waitSemaphoreCount;
	const VkSemaphore *pWaitSemaphores;
	const VkFlags *pWaitDstStageMask;
	uint32_t commandBufferCount;
	const VkCommandBuffer *pCommandBuffers;
	uint32_t signalSemaphoreCount;
	const VkSemaphore *pSignalSemaphores;
} VkSubmitInfo;

typedef struct VkMemoryAllocateInfo {
	VkStructureType sType;
	const void *pNext;
	VkDeviceSize allocationSize;
	uint32_t memoryTypeIndex;
} VkMemoryAllocateInfo;

typedef struct VkMemoryRequirements {
	VkDeviceSize size;
	VkDeviceSize alignment;
	uint32_t memoryTypeBits;
} VkMemoryRequirements;

typedef struct VkFenceCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
} VkFenceCreateInfo;

typedef struct VkBufferCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	VkDeviceSize size;
	VkFlags usage;
	int32_t sharingMode;
	uint32_t queueFamilyIndexCount;
	const uint32_t *pQueueFamilyIndices;
} VkBufferCreateInfo;

typedef struct VkShaderModuleCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	size_t codeSize;
	const uint32_t *pCode;
} VkShaderModuleCreateInfo;

typedef struct VkSpecializationMapEntry {
	uint32_t constantID;
	uint32_t offset;
	size_t size;
} VkSpecializationMapEntry;

typedef struct VkSpecializationInfo {
	uint32_t mapEntryCount;
	const VkSpecializationMapEntry *pMapEntries;
	size_t dataSize;
	const void *pData;
} VkSpecializationInfo;

typedef struct VkPipelineShaderStageCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	VkFlags stage;
	VkShaderModule module;
	const char *pName;
	const VkSpecializationInfo *pSpecializationInfo;
} VkPipelineShaderStageCreateInfo;

typedef struct VkComputePipelineCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	VkPipelineShaderStageCreateInfo stage;
	VkPipelineLayout layout;
	VkPipeline basePipelineHandle;
	int32_t basePipelineIndex;
} VkComputePipelineCreateInfo;

typedef struct VkPushConstantRange {
	VkFlags stageFlags;
	uint32_t offset;
	uint32_t size;
} VkPushConstantRange;

typedef struct VkPipelineLayoutCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	uint32_t setLayoutCount;
	const VkDescriptorSetLayout *pSetLayouts;
	uint32_t pushConstantRangeCount;
	const VkPushConstantRange *pPushConstantRanges;
} VkPipelineLayoutCreateInfo;

typedef struct VkDescriptorSetLayoutBinding {
	uint32_t binding;
	int32_t descriptorType;
	uint32_t descriptorCount;
	VkFlags stageFlags;
	const void *pImmutableSamplers;
} VkDescriptorSetLayoutBinding;

typedef struct VkDescriptorSetLayoutCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	uint32_t bindingCount;
	const VkDescriptorSetLayoutBinding *pBindings;
} VkDescriptorSetLayoutCreateInfo;

typedef struct VkDescriptorPoolSize {
	int32_t type;
	uint32_t descriptorCount;
} VkDescriptorPoolSize;

typedef struct VkDescriptorPoolCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	uint32_t maxSets;
	uint32_t poolSizeCount;
	const VkDescriptorPoolSize *pPoolSizes;
} VkDescriptorPoolCreateInfo;

typedef struct VkDescriptorSetAllocateInfo {
	VkStructureType sType;
	const void *pNext;
	VkDescriptorPool descriptorPool;
	uint32_t descriptorSetCount;
	const VkDescriptorSetLayout *pSetLayouts;
} VkDescriptorSetAllocateInfo;

typedef struct VkDescriptorBufferInfo {
	VkBuffer buffer;
	VkDeviceSize offset;
	VkDeviceSize range;
} VkDescriptorBufferInfo;

typedef struct VkWriteDescriptorSet {
	VkStructureType sType;
	const void *pNext;
	VkDescriptorSet dstSet;
	uint32_t dstBinding;
	uint32_t dstArrayElement;
	uint32_t descriptorCount;
	int32_t descriptorType;
	const void *pImageInfo;
	const VkDescriptorBufferInfo *pBufferInfo;
	const void *pTexelBufferView;
} VkWriteDescriptorSet;

typedef struct VkCommandPoolCreateInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	uint32_t queueFamilyIndex;
} VkCommandPoolCreateInfo;

typedef struct VkCommandBufferAllocateInfo {
	VkStructureType sType;
	const void *pNext;
	VkCommandPool commandPool;
	int32_t level;
	uint32_t commandBufferCount;
} VkCommandBufferAllocateInfo;

typedef struct VkCommandBufferBeginInfo {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	const void *pInheritanceInfo;
} VkCommandBufferBeginInfo;

typedef struct VkMemoryBarrier {
	VkStructureType sType;
	const void *pNext;
	VkFlags srcAccessMask;
	VkFlags dstAccessMask;
} VkMemoryBarrier;

typedef struct VkBufferCopy {
	VkDeviceSize srcOffset;
	VkDeviceSize dstOffset;
	VkDeviceSize size;
} VkBufferCopy;

typedef VkBool32 (*PFN_vkDebugReportCallbackEXT)(VkFlags flags, int32_t objectType, uint64_t object, size_t location,
                                                 int32_t messageCode, const char *pLayerPrefix, const char *pMessage,
                                                 void *pUserData);

typedef struct VkDebugReportCallbackCreateInfoEXT {
	VkStructureType sType;
	const void *pNext;
	VkFlags flags;
	PFN_vkDebugReportCallbackEXT pfnCallback;
	void *pUserData;
} VkDebugReportCallbackCreateInfoEXT;

typedef void (*PFN_vkVoidFunction)(void);
typedef PFN_vkVoidFunction (*PFN_vkGetInstanceProcAddr)(VkInstance instance, const char *pName);

// ShimFns holds the function pointers of one instance.
typedef struct ShimFns ShimFns;

// The shim's API: each returns a VkResult (0 = VK_SUCCESS) unless it records
// into a command buffer, which cannot fail.
void *shim_load_loader(const char **loaded_name);
VkResult shim_create_instance(void *getProcAddr, int validation, VkInstance *instance, ShimFns **fns);
void shim_destroy_instance(ShimFns *fns, VkInstance instance);
void shim_destroy_device(ShimFns *fns, VkDevice device, VkCommandPool pool);
void shim_destroy_pipeline(ShimFns *fns, VkDevice device, VkPipeline pipeline);
void shim_destroy_layout(ShimFns *fns, VkDevice device, VkDescriptorSetLayout setLayout, VkPipelineLayout layout);
void shim_destroy_descriptor_pool(ShimFns *fns, VkDevice device, VkDescriptorPool pool);
void shim_destroy_fence(ShimFns *fns, VkDevice device, VkFence fence);
uint32_t shim_validation_messages(void);
uint32_t shim_queue_family(ShimFns *fns, VkPhysicalDevice pd);
VkResult shim_create_device(ShimFns *fns, VkPhysicalDevice pd, uint32_t family, VkDevice *device);
VkResult shim_create_buffer(ShimFns *fns, VkDevice device, VkDeviceSize size, VkBuffer *buffer,
                            VkMemoryRequirements *req);
VkResult shim_bind_memory(ShimFns *fns, VkDevice device, VkBuffer buffer, VkDeviceSize size, uint32_t memoryType,
                          int map, VkDeviceMemory *memory, void **mapped);
void shim_destroy_buffer(ShimFns *fns, VkDevice device, VkBuffer buffer, VkDeviceMemory memory);
VkResult shim_create_layout(ShimFns *fns, VkDevice device, uint32_t bindings, uint32_t pushSize,
                            VkDescriptorSetLayout *setLayout, VkPipelineLayout *pipelineLayout);
VkResult shim_create_pipeline(ShimFns *fns, VkDevice device, const uint32_t *code, size_t codeSize,
                              VkPipelineLayout layout, const uint32_t *spec, uint32_t nSpec, VkPipeline *pipeline);
VkResult shim_create_descriptor_pool(ShimFns *fns, VkDevice device, uint32_t maxSets, uint32_t maxBuffers,
                                     VkDescriptorPool *pool);
VkResult shim_allocate_descriptor_set(ShimFns *fns, VkDevice device, VkDescriptorPool pool,
                                      VkDescriptorSetLayout layout, VkDescriptorSet *set);
void shim_write_descriptor_set(ShimFns *fns, VkDevice device, VkDescriptorSet set, uint32_t n,
                               const VkBuffer *buffers, const VkDeviceSize *offsets, const VkDeviceSize *ranges);
VkResult shim_create_command_pool(ShimFns *fns, VkDevice device, uint32_t family, VkCommandPool *pool);
VkResult shim_allocate_command_buffer(ShimFns *fns, VkDevice device, VkCommandPool pool, VkCommandBuffer *cmd);
VkResult shim_begin(ShimFns *fns, VkCommandBuffer cmd);
VkResult shim_end(ShimFns *fns, VkCommandBuffer cmd);
void shim_barrier(ShimFns *fns, VkCommandBuffer cmd);
void shim_dispatch(ShimFns *fns, VkCommandBuffer cmd, VkPipeline pipeline, VkPipelineLayout layout,
                   VkDescriptorSet set, const void *push, uint32_t pushSize, uint32_t x, uint32_t y, uint32_t z);
void shim_copy(ShimFns *fns, VkCommandBuffer cmd, VkBuffer src, VkDeviceSize srcOffset, VkBuffer dst,
               VkDeviceSize dstOffset, VkDeviceSize size);
void shim_fill(ShimFns *fns, VkCommandBuffer cmd, VkBuffer dst, VkDeviceSize offset, VkDeviceSize size, uint32_t data);
VkResult shim_create_fence(ShimFns *fns, VkDevice device, VkFence *fence);
VkResult shim_submit(ShimFns *fns, VkQueue queue, VkCommandBuffer cmd, VkFence fence);
VkResult shim_wait(ShimFns *fns, VkDevice device, VkFence fence);
VkResult shim_reset(ShimFns *fns, VkDevice device, VkFence fence, VkCommandBuffer cmd, VkDescriptorPool pool);

#endif
