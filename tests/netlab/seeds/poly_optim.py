import torch
import math


# 创建输入输出的 Tensor。
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# 准备输入的 Tensor(x,x^2,x^3)。
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

# 使用 nn 包定义我们的模型和损失函数。
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
loss_fn = torch.nn.MSELoss(reduction='sum')

# 使用 optim 包定义一个将会为我们更新模型的权重(weight)的优化器(Optimizer)。
# 这里我们将使用 RMSprop,optim 包包含了许多其它优化算法。
# RMSprop 构造器的第一个参数是告诉优化器哪些 Tensor 应该被更新。
learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
for t in range(2000):
    # 前向传播:传入 x 到 model 计算预测的 y
    y_pred = model(xx)
    
    # 计算并打印损失值(loss)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    
    # 在反向传播之前,需要使用优化器(optimizer)对象清零所有将被更新的变量的梯度
    # (模型的可学习参数(learnable weight))。这是因为在默认情况下,不论何时 .backward() 被调用时,
    # 梯度会被累积在缓冲区(换言之,不会被覆盖)。可以通过 torch.autograd.backward 的官方文档查看更多细节。
    optimizer.zero_grad()
    
    # 反向传播:计算 loss 关于模型参数的梯度。
    loss.backward()
    
    # 调用优化器上的 step 函数,更新它的参数。
    optimizer.step()
    
linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
